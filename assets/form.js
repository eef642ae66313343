// Progressive enhancement of the feedback form: search the unit list with or without diacritics, share a location.
(function () {
  function fold(s) {
    return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase().trim();
  }
  var search = document.getElementById('unit_search');
  var select = document.getElementById('unit_code');
  if (search && select) {
    search.hidden = false;
    search.addEventListener('input', function () {
      var q = fold(search.value);
      var first = null;
      for (var i = 1; i < select.options.length; i++) {
        var opt = select.options[i];
        var show = !q || (opt.dataset.folded || '').indexOf(q) !== -1;
        opt.hidden = !show;
        if (show && !first) first = opt;
      }
      if (q && first) select.value = first.value;
    });
  }
  var locate = document.getElementById('locate');
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener('click', function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById('lat').value = pos.coords.latitude.toFixed(6);
        document.getElementById('lon').value = pos.coords.longitude.toFixed(6);
        document.getElementById('location-shown').textContent = pos.coords.latitude.toFixed(5) + ', ' + pos.coords.longitude.toFixed(5);
      });
    });
  }
})();
