store {
  dataset = "zroot/axiom"
}

environment "e" {
  profile          = "p"
  keep_generations = 2 3 # ERROR: Missing newline after argument
}
