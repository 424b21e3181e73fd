source "local" { # ERROR: Duplicate source
  path = "./b"
}

profile "dev" { # ERROR: Duplicate profile
  package "git" {}
}

environment "dev" { # ERROR: Duplicate environment
  profile = "dev"
}

profile "tools" {
  package "vim" { version = "^9.0" }
  package "make" {}
  package "vim" { version = "^9.1" } # ERROR: Duplicate package
}

profile "tools" { # ERROR: Duplicate profile
}
