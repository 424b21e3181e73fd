# The smallest valid configuration: a store and nothing to reconcile yet.
store {
  dataset = "zroot/axiom"
}
