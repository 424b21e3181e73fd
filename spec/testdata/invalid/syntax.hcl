store {
  dataset = "zroot/axiom"
}

profile "p" {
  package "bash" { version = "^5.0.0" # ERROR: Invalid single-argument block definition
}

environment "e" {
  profile          = "p"
  keep_generations = 2 3
}
