# Axiom Package Signature
version: 1
algorithm: ed25519
key_id: D75A980182B10AB7
signer: "Test Signer <test@example.com>"
timestamp: 1735689600
signature: ba477518dbd45755bf34c83650f3906e05b779d8efbebfd3cdaa1bdc3fe5e63a4960a3edbba243174f8751700be1e8ffb45ba644f3690d73b36accc28a7b7709
files:
  - path: "deps.yaml"
    sha256: 568c092a1d4f28424e3df8d8aa2d2fc738e14c32d8854f970d69bb480e476afd
  - path: "manifest.yaml"
    sha256: ede4235ca3474f2f5724538838680f532c50b2f8bd19dd0c0e40a368ab68603a
  - path: "root/usr/bin/hello"
    sha256: bfdeaeb08cffb6a36438bcd12dda25417e3cdd36f1e7e482a2849d539225288b
  - path: "root/usr/share/doc/hello/README"
    sha256: 1ab1a2bb8502820a83881a5b66910b819121bafe336d76374637aa4ea7ba2616
