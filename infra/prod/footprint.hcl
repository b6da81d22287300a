# The seed's production footprint (DES-19): two availability zones (Hetzner FSN1 and NBG1), and what
# runs in each. The Nomad jobs of this folder place the glass nodes and the edge to these counts
# (spec/unit/infra-nomad.test.ts checks they agree); the data stores run on dedicated VMs, listed
# here with their roles (Nomad client meta `role`, the `role` label of their node_exporter).
zone "fsn1" {
  glass_node    = 2
  edge          = 1
  temporal      = 1
  postgres      = "primary"
  couchdb       = 2
  redis         = "primary"
  minio         = 2
  meilisearch   = "primary"
  observability = 1
}

zone "nbg1" {
  glass_node    = 2
  edge          = 1
  temporal      = 1
  postgres      = "standby"
  couchdb       = 1
  redis         = "replica"
  minio         = 2
  meilisearch   = "follower"
  observability = 1
}
