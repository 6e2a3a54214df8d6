/* The pages' camera: opens it on a button, decodes QR codes from its frames with zxing-wasm (served
   by the app) and hands every frame's valid results to the page. Shared by the scan page (cheques)
   and the handover page (booklet covers). Usage:
     PNCamera.attach({ button, video, status, say, noCamera, onResults }) */
window.PNCamera = (function () {
  'use strict';
  function attach(o) {
    var canvas = document.createElement('canvas');
    var scanning = false;
    function loop() {
      if (!scanning) return;
      var w = o.video.videoWidth,
        h = o.video.videoHeight;
      if (!w || !h) {
        setTimeout(loop, 200);
        return;
      }
      canvas.width = w;
      canvas.height = h;
      var ctx = canvas.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(o.video, 0, 0, w, h);
      ZXingWASM.readBarcodes(ctx.getImageData(0, 0, w, h), {
        formats: ['QRCode'],
        tryHarder: true,
        maxNumberOfSymbols: 4,
      })
        .then(function (results) {
          var valid = results.filter(function (r) {
            return r.isValid && r.text;
          });
          // the page may stop the camera (return false) once it has what it needs
          if (valid.length && o.onResults(valid) === false) scanning = false;
        })
        .catch(function () {
          /* a frame that cannot be read */
        })
        .then(function () {
          if (scanning) setTimeout(loop, 250);
        });
    }
    o.button.addEventListener('click', function () {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        o.say("Cet appareil ne permet pas d'utiliser la caméra ici : " + o.noCamera, 'warn');
        return;
      }
      o.say('Ouverture de la caméra…');
      ZXingWASM.prepareZXingModule({
        overrides: {
          locateFile: function (path, prefix) {
            return path.endsWith('.wasm') ? '/assets/zxing/' + path : prefix + path;
          },
        },
        fireImmediately: true,
      });
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: 'environment' }, audio: false })
        .then(function (stream) {
          o.video.hidden = false;
          o.video.srcObject = stream;
          return o.video.play().then(function () {
            scanning = true;
            o.button.hidden = true;
            o.say(o.ready);
            loop();
          });
        })
        .catch(function () {
          o.say(
            "La caméra n'a pas pu être ouverte (autorisation refusée ?) : " + o.noCamera,
            'warn',
          );
        });
    });
  }
  return { attach: attach };
})();
