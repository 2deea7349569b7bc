# PLACEHOLDER
def ask_if_fixed():
    return 0


def locate_pending():
    return 0
