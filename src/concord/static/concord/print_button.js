// The print pages' "Print" button (no inline scripts: the Content-Security-Policy forbids them).
document.getElementById("print").addEventListener("click", function () { window.print(); });
