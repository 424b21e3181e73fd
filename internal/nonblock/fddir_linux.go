package nonblock

// fdDir names the process's open files by number.
const fdDir = "/proc/self/fd"
