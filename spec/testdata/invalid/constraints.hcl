store {
  dataset = "zroot/axiom"
}

profile "p" {
  package "a" { version = "1.2.3.4" }        # ERROR: Invalid version constraint
  package "b" { version = "1_000" }          # ERROR: Invalid version constraint
  package "c" { version = "+1.2" }           # ERROR: Invalid version constraint
  package "d" { version = "1.2.3-beta" }     # ERROR: Invalid version constraint
  package "e" { version = "latest" }         # ERROR: Invalid version constraint
  package "f" { version = ">=1.0, 2.0" }     # ERROR: Invalid version constraint
  package "g" { version = "=1.2" }           # ERROR: Invalid version constraint
  package "h" { version = "4294967296" }     # ERROR: Invalid version constraint
  package "i" { version = "~" }              # ERROR: Invalid version constraint
  package "j" { version = ">=1.0," }         # ERROR: Invalid version constraint
  package "k" { version = "^1.x" }           # ERROR: Invalid version constraint
}
