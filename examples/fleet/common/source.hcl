# Where every host takes its packages from. Relative paths are resolved against the directory of
# the file that declares them, so this one works wherever the repository is checked out; a real
# fleet points it at the package tree its hosts share.

source "samples" {
  path = "../../packages"
}
