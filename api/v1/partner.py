"""Hosting partners' API: their communes, plans and module switches (filled below)."""

urlpatterns: list = []
