// Outline (not built here; platforms/android/README.md): SDL2's activity loading libmain.so, plus
// the Java halves of the platform services that android_main.cpp reaches through JNI.
package vn.laichau.khaosat;

import android.content.Context;
import android.location.Location;
import android.location.LocationManager;
import android.net.ConnectivityManager;
import android.net.NetworkCapabilities;
import org.libsdl.app.SDLActivity;

public class KhaosatActivity extends SDLActivity {
    @Override protected String[] getLibraries() { return new String[] {"SDL2", "main"}; }

    // "lat lon altitude accuracy", or "" without a fix (permission asked at first use).
    public static String lastFix() {
        try {
            LocationManager lm = (LocationManager) getContext().getSystemService(Context.LOCATION_SERVICE);
            Location l = lm.getLastKnownLocation(LocationManager.GPS_PROVIDER);
            if (l == null) return "";
            return l.getLatitude() + " " + l.getLongitude() + " " + l.getAltitude() + " " + l.getAccuracy();
        } catch (SecurityException e) {
            return "";
        }
    }

    public static boolean online() {
        ConnectivityManager cm = (ConnectivityManager) getContext().getSystemService(Context.CONNECTIVITY_SERVICE);
        NetworkCapabilities caps = cm.getNetworkCapabilities(cm.getActiveNetwork());
        return caps != null && caps.hasCapability(NetworkCapabilities.NET_CAPABILITY_INTERNET);
    }
}
