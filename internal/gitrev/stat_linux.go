package gitrev

import "syscall"

// statMatches compares the stat data git keeps in the index with the file's (32-bit fields, as
// git truncates them; the device is not compared, as git does not by default).
func statMatches(e *indexEntry, st *syscall.Stat_t) bool {
	return e.mtimeSec == uint32(st.Mtim.Sec) && e.mtimeNsec == uint32(st.Mtim.Nsec) &&
		e.ctimeSec == uint32(st.Ctim.Sec) && e.ctimeNsec == uint32(st.Ctim.Nsec) &&
		e.ino == uint32(st.Ino) && e.uid == st.Uid && e.gid == st.Gid && e.size == uint32(st.Size)
}
