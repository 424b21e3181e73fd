store {
  dataset    = "zroot/axiom@snap" # ERROR: Invalid dataset name
  mountpoint = "axiom/"           # ERROR: Invalid mountpoint
}
