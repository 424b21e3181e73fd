# A block before the first syntax error is decoded, and its errors are reported.
environment "before" {
  profile          = "tools"
  keep_generations = 0 # ERROR: Invalid keep_generations
}

profile "tools" {
  package "vim" { version = "^9" # ERROR: Invalid single-argument block definition
}

# The missing brace above nests everything below in profile "tools": none of it is decoded,
# but the profile declared here is known to exist.
profile "shell" {
  package "bash" {}
}

environment "after" {
  keep_generations = 0
}
