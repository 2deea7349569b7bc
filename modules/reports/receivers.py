# PLACEHOLDER
def home_panel(sender, request=None, **kwargs):
    return None


def personal_data(user):
    return []


def close(user_id):
    return None
