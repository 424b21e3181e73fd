store {
  dataset = "zroot/axiom"
}

profile "p" {}

environment "zero" {
  profile          = "p"
  keep_generations = 0 # ERROR: Invalid keep_generations
}

environment "fraction" {
  profile          = "p"
  keep_generations = 2.5 # ERROR: Invalid keep_generations
}

environment "huge" {
  profile          = "p"
  keep_generations = 1e30 # ERROR: Invalid keep_generations
}

gc {
  max_deletes = -1 # ERROR: Invalid max_deletes
}
