# Errors in a file that parses are reported alongside another file's syntax errors, and so is a
# reference to a profile that the broken file does not declare either.
profile "p" {
  package "vim" { version = "9.x" } # ERROR: Invalid version constraint
}

environment "f" {
  profile = "missing-everywhere" # ERROR: Reference to undefined profile
}
