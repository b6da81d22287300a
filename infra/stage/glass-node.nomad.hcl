# Stage: the glass nodes on the Hetzner stage VMs (one datacenter, two nodes), registered in Consul as
# `glass-node` with liveness (/healthz) and readiness (/readyz) checks; the edge routes to the
# passing ones. Secrets come from Nomad variables at nomad/jobs/glass-node (nomad var put …).
variable "image" {
  type    = string
  default = "registry.glass.internal/glass-node:stage"
}

job "glass-node" {
  datacenters = ["stage"]
  type        = "service"

  update {
    max_parallel     = 1
    health_check     = "checks"
    min_healthy_time = "20s"
    healthy_deadline = "3m"
    auto_revert      = true
  }

  group "node" {
    count = 2

    constraint {
      operator = "distinct_hosts"
      value    = "true"
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
      tags     = ["glass", "stage"]
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
        GLASS_CLUSTER               = "glass-stage"
        LOG_LEVEL                   = "info"
        GLASS_S3_URL                = "http://minio.service.consul:9000"
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
      }

      # Service URLs with their credentials: environment of the task, never in the job file.
      template {
        destination = "secrets/glass.env"
        env         = true
        change_mode = "restart"
        data        = <<-EOT
          {{ with nomadVar "nomad/jobs/glass-node" }}
          REDIS_URL=redis://:{{ .redis_password }}@redis.service.consul:6379
          COUCHDB_URL=http://glass:{{ .couch_password }}@couchdb.service.consul:5984
          GLASS_PG_URL=postgres://glass:{{ .pg_password }}@postgres.service.consul:5432/glass
          GLASS_S3_ACCESS_KEY={{ .s3_access_key }}
          GLASS_S3_SECRET_KEY={{ .s3_secret_key }}
          MEILI_KEY={{ .meili_key }}
          GLASS_OPENAI_BASE_URL={{ .llm_base_url }}
          OPENAI_API_KEY={{ .llm_api_key }}
          GLASS_TRUSTED_PROXIES={{ .edge_addresses }}
          {{ end }}
        EOT
      }

      template {
        destination = "secrets/token-public.pem"
        change_mode = "restart"
        data        = "{{ with nomadVar \"nomad/jobs/glass-node\" }}{{ .token_public_key }}{{ end }}"
      }

      template {
        destination = "secrets/token-secret"
        change_mode = "restart"
        data        = "{{ with nomadVar \"nomad/jobs/glass-node\" }}{{ .token_secret }}{{ end }}"
      }

      template {
        destination = "secrets/cluster-key"
        change_mode = "restart"
        data        = "{{ with nomadVar \"nomad/jobs/glass-node\" }}{{ .cluster_key }}{{ end }}"
      }

      template {
        destination = "secrets/audit-key"
        change_mode = "restart"
        data        = "{{ with nomadVar \"nomad/jobs/glass-node\" }}{{ .audit_key }}{{ end }}"
      }

      resources {
        cpu    = 2000
        memory = 3072
      }
    }
  }
}
