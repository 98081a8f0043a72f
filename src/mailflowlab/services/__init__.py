"""The transport services, one module each. They talk to each other only over SMTP."""
