# Errors in a file that parses are reported alongside another file's syntax errors, but
# references into the broken file are not checked.
profile "p" {
  package "vim" { version = "9.x" } # ERROR: Invalid version constraint
}

environment "f" {
  profile = "missing-but-maybe-in-the-broken-file"
}
