# Stage edge: Caddy on the stage edge VM, ports 80/443, with `tls internal` (stage is reached over the
# Tailscale mesh: no public name for ACME); its CA is kept on the host volume caddy-data.
# The Caddyfile is infra/caddy/Caddyfile.stage (read at `nomad job run` from this folder);
# GLASS_UPSTREAMS is every passing `glass-node` instance in Consul, re-rendered as they change.
variable "domain" {
  type    = string
  default = "stage.glass.internal"
}

job "glass-edge" {
  datacenters = ["stage"]
  type        = "service"

  update {
    max_parallel = 1
    health_check = "checks"
    auto_revert  = true
  }

  group "edge" {
    count = 1

    constraint {
      operator = "distinct_hosts"
      value    = "true"
    }

    constraint {
      attribute = "${meta.role}"
      value     = "edge"
    }


    network {
      port "http" {
        static = 80
      }
      port "https" {
        static = 443
      }
    }

    volume "caddy-data" {
      type   = "host"
      source = "caddy-data"
    }

    service {
      name     = "glass-edge"
      port     = "https"
      provider = "consul"
      meta {
        zone = "${node.datacenter}"
      }

      # TCP: the edge's routes are the Caddyfile's; the nodes behind it have their own checks.
      check {
        name     = "edge-listening"
        type     = "tcp"
        port     = "https"
        interval = "10s"
        timeout  = "3s"
      }
    }

    task "caddy" {
      driver = "docker"

      config {
        image = "caddy:2.6.2"
        ports = ["http", "https"]
        args  = ["caddy", "run", "--config", "/local/Caddyfile", "--adapter", "caddyfile"]
      }

      volume_mount {
        volume      = "caddy-data"
        destination = "/data"
      }

      env {
        GLASS_DOMAIN = var.domain
      }

      template {
        destination = "local/Caddyfile"
        change_mode = "restart"
        data        = file("../caddy/Caddyfile.stage")
      }

      # The routes the tier's Caddyfile imports, beside it.
      template {
        destination = "local/routes.caddy"
        change_mode = "restart"
        data        = file("../caddy/routes.caddy")
      }

      template {
        destination = "local/upstreams.env"
        env         = true
        change_mode = "restart"
        data        = <<-EOT
          GLASS_UPSTREAMS={{ range service "glass-node" }}{{ .Address }}:{{ .Port }} {{ end }}
        EOT
      }

      resources {
        cpu    = 1000
        memory = 512
      }
    }
  }
}
