store {
  dataset = "zroot/axiom"
}

profile "${name}" {} # ERROR: Invalid string literal
