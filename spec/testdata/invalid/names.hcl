store {
  dataset = "zroot/axiom"
}

source "my source" { # ERROR: Invalid source name
  path = "."
}

profile ".hidden" { # ERROR: Invalid profile name
  package "gtk+" {} # valid: package names may contain '+'
  package "g::" {}  # ERROR: Invalid package name
  package "" {}     # ERROR: Invalid package name
}

profile "snapshot" {} # ERROR: Invalid profile name

profile "c++" {} # ERROR: Invalid profile name

environment "dev/prod" { # ERROR: Invalid environment name
  profile = ".hidden"
}

environment "d@1" { # ERROR: Invalid environment name
  profile = "snapshot"
}

environment "g++" { # ERROR: Invalid environment name
  profile = "snapshot"
}

source "a+b" { # ERROR: Invalid source name
  path = "."
}
