# Production edge: Caddy on the edge VMs of both zones, ports 80/443 only, certificates from ACME
# (Let's Encrypt, HTTP-01 on port 80; kept on the host volume caddy-data so a restart does not ask
# again). The Caddyfile is infra/caddy/Caddyfile.prod (read at `nomad job run` from this folder);
# GLASS_UPSTREAMS is every passing `glass-node` instance in Consul, re-rendered as they change.
variable "domain" {
  type    = string
  default = "play.glass.example"
}

variable "acme_email" {
  type    = string
  default = "ops@glass.example"
}

job "glass-edge" {
  datacenters = ["fsn1", "nbg1"]
  type        = "service"

  update {
    max_parallel = 1
    health_check = "checks"
    auto_revert  = true
  }

  group "edge" {
    count = 2

    constraint {
      operator = "distinct_hosts"
      value    = "true"
    }

    constraint {
      attribute = "${meta.role}"
      value     = "edge"
    }

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
        ACME_EMAIL   = var.acme_email
      }

      template {
        destination = "local/Caddyfile"
        change_mode = "restart"
        data        = file("../caddy/Caddyfile.prod")
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
