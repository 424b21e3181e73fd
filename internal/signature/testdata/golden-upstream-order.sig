# Axiom Package Signature
version: 1
algorithm: ed25519
key_id: D75A980182B10AB7
signer: "Local Build (builder)"
timestamp: 1735689600
signature: f9495c06e9bb44830944beb353d557eb0c6613b3a44a5ec1c79f76afa5ee9f1b79f22e56fafe15ad8bbc31e3742008b5a828f4f7010168486f1917f2498f3007
files:
  - path: "root/usr/share/doc/hello/README"
    sha256: 1ab1a2bb8502820a83881a5b66910b819121bafe336d76374637aa4ea7ba2616
  - path: "manifest.yaml"
    sha256: ede4235ca3474f2f5724538838680f532c50b2f8bd19dd0c0e40a368ab68603a
  - path: "root/usr/bin/hello"
    sha256: bfdeaeb08cffb6a36438bcd12dda25417e3cdd36f1e7e482a2849d539225288b
  - path: "deps.yaml"
    sha256: 568c092a1d4f28424e3df8d8aa2d2fc738e14c32d8854f970d69bb480e476afd
