store {
  dataset = "zroot/axiom"
}

gc {
  grace_period = "1d12h30m"
}
