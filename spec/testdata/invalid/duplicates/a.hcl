store {
  dataset = "zroot/axiom"
}

source "local" {
  path = "./a"
}

profile "dev" {
  package "bash" {}
}

environment "dev" {
  profile = "dev"
}
