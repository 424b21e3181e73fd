store {
  dataset = "zroot/axiom"
}

environment "e" {
  profile          = "p"
  keep_generations = 2 3 # ERROR: Missing newline after argument
}

# Recovery from the error above was local to its line, as the braces pair up: the blocks after
# it are decoded and checked.
profile "p" {
  package "vim" { version = "9.x" } # ERROR: Invalid version constraint
}

environment "f" {
  profile = "nowhere" # ERROR: Reference to undefined profile
}
