store {
  dataset    = "zroot/axiom"
  mountpont  = "/axiom" # ERROR: Unsupported argument
}

storage {} # ERROR: Unsupported block type

profile "p" {
  descripton = "typo" # ERROR: Unsupported argument
  package "bash" {
    verison = "^5.0.0" # ERROR: Unsupported argument
  }
  pkg "vim" {} # ERROR: Unsupported block type
}

environment "e" {
  profile = "p"
  package "x" {} # ERROR: Unsupported block type
}

name = "top-level" # ERROR: Unsupported argument
