# PLACEHOLDER
urlpatterns: list = []
