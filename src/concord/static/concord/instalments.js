// The mediation agreement form: "Add a row" appends an empty instalment row from its <template>.
document.getElementById("add-instalment").addEventListener("click", function () {
  var total = document.getElementById("id_instalments-TOTAL_FORMS");
  var n = parseInt(total.value, 10);
  var html = document.getElementById("instalment-template").innerHTML
    .replace(/__prefix__/g, String(n)).replace(/__n__/g, String(n + 1));
  document.getElementById("instalment-rows").insertAdjacentHTML("beforeend", html);
  total.value = String(n + 1);
});
