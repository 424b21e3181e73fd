store {
  dataset = "zroot/axiom"
}

gc {
  max_deletes = 10
}
