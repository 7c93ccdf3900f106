// A single-page app: the server answers every app route with index.html
// (the 200 rewrite in _redirects), and this script renders the route.
document.getElementById("app").textContent = "route: " + location.pathname;
