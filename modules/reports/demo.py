# PLACEHOLDER
def load(commune, people):
    return None
