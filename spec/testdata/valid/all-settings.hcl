store {
  dataset    = "tank/sys/axiom"
  mountpoint = "/opt/axiom"
}

source "local" {
  path = "./packages"
}

source "mirror" {
  path = "/srv/axiom/packages"
}

profile "development" {
  description = "Development tools"
  package "bash" { version = "^5.0.0" }
  package "git" { version = ">=2.40.0" }
  package "vim" {}
  package "gcc" { version = "~13.2" }
  package "python" { version = ">=3.11, <3.13" }
  package "zlib" { version = "1.3.1" }
  package "make" { version = "*" }
}

environment "dev" {
  profile          = "development"
  conflict_policy  = "priority"
  keep_generations = 5
  prevent_destroy  = true
}

environment "scratch" {
  profile         = "development"
  conflict_policy = "keep-both"
}

gc {
  grace_period = "7d"
  max_deletes  = 0
}
