store {
  dataset    = "-zroot" # ERROR: Invalid dataset name
  mountpoint = "/axiom/../opt//axiom" # ERROR: Invalid mountpoint
}
