# A developer workstation: everyday tools in one environment, a Python toolbox in another.
#
# Validate with `axiom-reconcile validate -c examples/workstation`. The packages come from the
# sample packages beside this directory; a real host points its source at its own package tree.

store {
  dataset    = "zroot/axiom"
  mountpoint = "/axiom"
}

source "samples" {
  path = "../packages"
}
