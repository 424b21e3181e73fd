store {
  dataset = "zroot/axiom"
}

environment "a" {
  profile = "a"
}

environment "b" {
  profile = "b"
}

environment "c" {
  profile = "c" # ERROR: Reference to undefined profile
}
