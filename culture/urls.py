app_name = "culture"

urlpatterns: list = []
