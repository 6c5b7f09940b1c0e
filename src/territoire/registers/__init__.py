"""The registers citizens can read: the GDPR article 30 register of processing activities (with
its DPIA screener) and the register of public algorithms (CRPA L312-1-3, R311-3-1-2)."""
