print("chimera-bench: no workloads yet")
