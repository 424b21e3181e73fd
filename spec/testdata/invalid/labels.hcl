store "main" { # ERROR: Extraneous label for store
  dataset = "zroot/axiom"
}

profile { # ERROR: Missing name for profile
}

environment "a" "b" { # ERROR: Extraneous label for environment
  profile = "x"
}
