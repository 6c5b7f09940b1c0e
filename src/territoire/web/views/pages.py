from django.shortcuts import render


def accessibility(request):
    return render(request, "web/accessibility.html")


def legal(request):
    return render(request, "web/legal.html")
