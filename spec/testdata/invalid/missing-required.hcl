store { # ERROR: Missing required argument
  mountpoint = "/axiom"
}

source "local" { # ERROR: Missing required argument
}

environment "e" { # ERROR: Missing required argument
  keep_generations = 2
}
