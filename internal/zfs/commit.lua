-- Commits a filesystem whose properties (readonly=on among them) the caller has just set: takes
-- the snapshot argv[2] of the filesystem argv[1], reads the new snapshot's guid and sets it, as
-- a decimal string, on the filesystem as the user property argv[3], all in this one program.
-- Returns {guid = "decimal"}, or {error = errno, at = "snapshot" | "set_prop"} (after a failed
-- set_prop the snapshot stays: channel programs do not roll back), or {unsupported = name} when
-- the kernel's channel programs lack zfs.sync.set_prop (before OpenZFS 2.2): then nothing was
-- done, and the caller commits without a program.
local argv = (...)["argv"]
local fs, snap, prop = argv[1], argv[2], argv[3]
if zfs.sync.set_prop == nil then
  return {unsupported = "zfs.sync.set_prop"}
end
local err = zfs.sync.snapshot(snap)
if err ~= 0 then
  return {error = err, at = "snapshot"}
end
local guid = unsigned(zfs.get_prop(snap, "guid"))
err = zfs.sync.set_prop(fs, prop, guid)
if err ~= 0 then
  return {error = err, at = "set_prop", guid = guid}
end
return {guid = guid}
