-- Destroys each dataset named in argv[3..] with its snapshots if, inside this one atomic program,
-- it exists, has property argv[1] set locally to argv[2], has no child filesystems, and none of its
-- snapshots is held or cloned. Returns {destroyed = {name = order}, skipped = {name = reason}}.
-- The caller has unmounted the candidates: a channel program cannot destroy a mounted filesystem.
local argv = (...)["argv"]
local prop, want = argv[1], argv[2]
local destroyed, skipped = {}, {}
local n = 0
for i = 3, #argv do
  local ds = argv[i]
  local reason = nil
  local snaps = {}
  if not zfs.exists(ds) then
    reason = "gone"
  else
    local v, src = zfs.get_prop(ds, prop)
    if v ~= want or src ~= ds then
      reason = "unmanaged"
    end
  end
  if reason == nil then
    for _ in zfs.list.children(ds) do
      reason = "has children"
      break
    end
  end
  if reason == nil then
    for snap in zfs.list.snapshots(ds) do
      if zfs.get_prop(snap, "userrefs") > 0 then
        reason = "held"
        break
      end
      for _ in zfs.list.clones(snap) do
        reason = "cloned"
        break
      end
      if reason ~= nil then
        break
      end
      table.insert(snaps, snap)
    end
  end
  -- The filesystem cannot be checked for destruction before its snapshots are gone (the kernel
  -- refuses a head with snapshots, EBUSY, just as it refuses a mounted one, and "mounted" is not
  -- a property a program can read). Channel programs do not roll back: if destroying the
  -- filesystem fails after its snapshots went, take them again (a package is read-only, so they
  -- are the same content), so it is never left without them.
  local gone = {}
  if reason == nil then
    for _, snap in ipairs(snaps) do
      local err = zfs.sync.destroy(snap)
      if err ~= 0 then
        reason = "error " .. err .. " destroying " .. snap
        break
      end
      table.insert(gone, snap)
    end
  end
  if reason == nil then
    local err = zfs.sync.destroy(ds)
    if err ~= 0 then
      reason = "error " .. err
    end
  end
  if reason ~= nil then
    for _, snap in ipairs(gone) do
      local err = zfs.sync.snapshot(snap)
      if err ~= 0 then
        reason = reason .. "; error " .. err .. " taking " .. snap .. " again"
      end
    end
  end
  if reason == nil then
    n = n + 1
    destroyed[ds] = n
  else
    skipped[ds] = reason
  end
end
return {destroyed = destroyed, skipped = skipped}
