app_name = "benefits"

urlpatterns: list = []
