"""What every benchmark shares, so no benchmark is another's library: the machine and how
busy it is (`machine`), the server and its database (`server`), latency figures (`stats`),
bench/README.md's sections (`readme`), and simulated contacts (`contacts`)."""
