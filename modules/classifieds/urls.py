app_name = "classifieds"
urlpatterns: list = []
