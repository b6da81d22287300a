# Production: the glass nodes across the two zones of footprint.hcl (FSN1 and NBG1), two per zone,
# registered in Consul as `glass-node` with liveness (/healthz) and readiness (/readyz) checks; the
# edge routes to the passing ones. Secrets come from Vault (policy glass-node, kv/glass/prod), short-lived.
variable "image" {
  type    = string
  default = "registry.glass.internal/glass-node:prod"
}

job "glass-node" {
  datacenters = ["fsn1", "nbg1"]
  type        = "service"

  update {
    max_parallel     = 1
    health_check     = "checks"
    min_healthy_time = "20s"
    healthy_deadline = "3m"
    auto_revert      = true
  }

  group "node" {
    count = 4

    constraint {
      operator = "distinct_hosts"
      value    = "true"
    }

    # Only the application VMs, never a data store's (hardware isolation for the data stores).
    constraint {
      attribute = "${meta.role}"
      value     = "app"
    }

    # Half the nodes in each zone: a zone lost leaves the other serving every actor.
    spread {
      attribute = "${node.datacenter}"
      weight    = 100
      target "fsn1" {
        percent = 50
      }
      target "nbg1" {
        percent = 50
      }
    }

    vault {
      policies    = ["glass-node"]
      change_mode = "restart"
    }

    network {
      port "http" {
        static = 9001
        to     = 9001
      }
    }

    service {
      name     = "glass-node"
      port     = "http"
      provider = "consul"
      tags     = ["glass", "prod"]
      meta {
        zone = "${node.datacenter}"
      }

      check {
        name     = "alive"
        type     = "http"
        path     = "/healthz"
        interval = "10s"
        timeout  = "2s"
      }

      check {
        name     = "ready"
        type     = "http"
        path     = "/readyz"
        interval = "5s"
        timeout  = "2s"
      }
    }

    task "glass" {
      driver       = "docker"
      kill_signal  = "SIGTERM"
      kill_timeout = "30s"

      config {
        image   = var.image
        ports   = ["http"]
        command = "node"
        args    = ["dist/bin/glass.js", "start"]
      }

      env {
        HOST                        = "0.0.0.0"
        PORT                        = "9001"
        GLASS_NODE_ID               = "${node.unique.name}"
        GLASS_CLUSTER               = "glass-prod"
        LOG_LEVEL                   = "info"
        GLASS_S3_URL                = "https://minio.service.consul:9000"
        GLASS_S3_REGION             = "us-east-1"
        MEILI_URL                   = "http://meilisearch.service.consul:7700"
        TEMPORAL_ADDRESS            = "temporal-frontend.service.consul:7233"
        OTEL_EXPORTER_OTLP_ENDPOINT = "http://otel-collector.service.consul:4318"
        OTEL_SERVICE_NAME           = "glass-node"
        GLASS_NARRATOR              = "openai"
        GLASS_TOKEN_PUBLIC_KEY_FILE = "/secrets/token-public.pem"
        GLASS_TOKEN_SECRET_FILE     = "/secrets/token-secret"
        GLASS_CLUSTER_KEY_FILE      = "/secrets/cluster-key"
        GLASS_AUDIT_KEY_FILE        = "/secrets/audit-key"
        GLASS_REDIS_CA_FILE         = "/secrets/redis-ca.pem"
      }

      # Service URLs with their credentials (TLS to Redis and CouchDB): task environment, never the job file.
      template {
        destination = "secrets/glass.env"
        env         = true
        change_mode = "restart"
        data        = <<-EOT
          {{ with secret "kv/data/glass/prod" }}
          REDIS_URL=rediss://:{{ .Data.data.redis_password }}@redis.service.consul:6380
          COUCHDB_URL=https://glass:{{ .Data.data.couch_password }}@couchdb.service.consul:6984
          GLASS_PG_URL=postgres://glass:{{ .Data.data.pg_password }}@postgres.service.consul:5432/glass
          GLASS_S3_ACCESS_KEY={{ .s3_access_key }}
          GLASS_S3_SECRET_KEY={{ .s3_secret_key }}
          MEILI_KEY={{ .Data.data.meili_key }}
          GLASS_OPENAI_BASE_URL={{ .Data.data.llm_base_url }}
          OPENAI_API_KEY={{ .Data.data.llm_api_key }}
          GLASS_TRUSTED_PROXIES={{ .Data.data.edge_addresses }}
          {{ end }}
        EOT
      }

      template {
        destination = "secrets/redis-ca.pem"
        change_mode = "restart"
        data        = "{{ with secret \"kv/data/glass/prod\" }}{{ .Data.data.redis_ca_pem }}{{ end }}"
      }

      template {
        destination = "secrets/token-public.pem"
        change_mode = "restart"
        data        = "{{ with secret \"kv/data/glass/prod\" }}{{ .Data.data.token_public_key }}{{ end }}"
      }

      template {
        destination = "secrets/token-secret"
        change_mode = "restart"
        data        = "{{ with secret \"kv/data/glass/prod\" }}{{ .Data.data.token_secret }}{{ end }}"
      }

      template {
        destination = "secrets/cluster-key"
        change_mode = "restart"
        data        = "{{ with secret \"kv/data/glass/prod\" }}{{ .Data.data.cluster_key }}{{ end }}"
      }

      template {
        destination = "secrets/audit-key"
        change_mode = "restart"
        data        = "{{ with secret \"kv/data/glass/prod\" }}{{ .Data.data.audit_key }}{{ end }}"
      }

      resources {
        cpu    = 2000
        memory = 3072
      }
    }
  }
}
