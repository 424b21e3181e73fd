store {
  dataset = "zroot/axiom"
}

environment "uses-tools" {
  profile = "tools"
}

environment "uses-shell" {
  profile = "shell"
}

environment "uses-nothing" {
  profile = "nowhere" # ERROR: Reference to undefined profile
}
