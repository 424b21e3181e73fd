-- unsigned(n) renders n, a 64-bit value read through ZFS's Lua, as the unsigned decimal zfs get
-- prints: ZFS's Lua numbers are signed 64-bit integers, so a guid of 2^63 or more reads as a
-- negative n that stands for n + 2^64. Only non-negative operands are divided (the division of
-- negative integers is not one Lua semantics here), and no constant is out of the int64 range.
local function unsigned(n)
  if n >= 0 then
    return tostring(n)
  end
  -- n + 2^64 = m + 2^63, with m = n + 2^63 in [0, 2^63), computed as two additions of 2^62.
  local m = (n + 4611686018427387904) + 4611686018427387904
  -- Add 2^63 = 922337203 * 10^10 + 6854775808 to m, in two base-10^10 halves.
  local e = 10000000000
  local lo = m % e + 6854775808
  local hi = m / e + 922337203 + lo / e
  lo = tostring(lo % e)
  return tostring(hi) .. string.rep("0", 10 - #lo) .. lo
end
