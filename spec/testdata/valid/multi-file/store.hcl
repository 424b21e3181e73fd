store {
  dataset = "zroot/axiom"
}

source "samples" {
  path = "../packages"
}
